"""the fax number becomes a column of users (the one-column user_contacts table goes)

Revision ID: 5f3c2a7d9e41
Revises: 8b6eef39bcc4
Create Date: 2026-12-02 07:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5f3c2a7d9e41'
down_revision = '8b6eef39bcc4'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE, not a batch copy: re-creating users would cascade deletes to the tables that refer to it.
    op.add_column('users', sa.Column('fax', sa.String(length=30), nullable=True))
    op.execute(
        'UPDATE users SET fax = (SELECT user_contacts.fax FROM user_contacts WHERE user_contacts.user_id = users.id)'
    )
    op.drop_table('user_contacts')


def downgrade():
    users = sa.table('users', sa.column('id', sa.Integer()), sa.column('fax', sa.String()), sa.column('updated_at', sa.DateTime(timezone=True)))
    user_contacts = op.create_table('user_contacts',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('fax', sa.String(length=30), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_contacts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_user_contacts'))
    )
    op.execute(
        user_contacts.insert().from_select(
            ['user_id', 'fax', 'updated_at'],
            sa.select(users.c.id, users.c.fax, users.c.updated_at).where(users.c.fax.is_not(None)),
        )
    )
    op.drop_column('users', 'fax')  # SQLite 3.35+ and PostgreSQL drop a plain column in place
