"""The home page's tiles and figures: the machinery that gathers every feature's tiles (``tiles``) and the
page's own figures in one statement (``figures``). The page itself is ``operators.home`` (URL ``/``)."""
