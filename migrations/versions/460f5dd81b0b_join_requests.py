"""join requests (and their confirmation tokens), the Ge.Co. requester's e-mail

Revision ID: 460f5dd81b0b
Revises: 2b3b834c5a6a
Create Date: 2026-12-02 18:13:15.522544

"""
from contextlib import contextmanager

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '460f5dd81b0b'
down_revision = "2b3b834c5a6a"
branch_labels = None
depends_on = None


@contextmanager
def _tokens_copied():
    """SQLite changes a table's foreign keys only by copying the table, and dropping the old copy cascades to
    pending_email_changes (foreign keys are on): its rows are kept aside meanwhile."""
    op.execute('CREATE TEMPORARY TABLE kept_email_changes AS SELECT * FROM pending_email_changes')
    with op.batch_alter_table('tokens', recreate='always') as batch_op:
        yield batch_op
    op.execute('INSERT INTO pending_email_changes SELECT * FROM kept_email_changes')
    op.execute('DROP TABLE kept_email_changes')


def upgrade():
    op.create_table('join_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('decider', sa.String(length=10), nullable=False),
    sa.Column('path', sa.String(length=10), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('username_key', sa.String(length=64), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('on_file_email', sa.String(length=254), nullable=True),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('fiscal_code', sa.String(length=16), nullable=True),
    sa.Column('registration_request_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_via', sa.String(length=12), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("decided_via IS NULL OR decided_via IN ('company', 'back_office', 'address')", name=op.f('ck_join_requests_decided_via')),
    sa.CheckConstraint("decider IN ('company', 'address')", name=op.f('ck_join_requests_decider')),
    sa.CheckConstraint("path IN ('legacy', 'geco', 'customer', 'new_user')", name=op.f('ck_join_requests_path')),
    sa.CheckConstraint("status IN ('pending', 'approved', 'refused')", name=op.f('ck_join_requests_status')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_join_requests_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['operator_id'], ['operators.id'], name=op.f('fk_join_requests_operator_id_operators'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_request_id'], ['registration_requests.id'], name=op.f('fk_join_requests_registration_request_id_registration_requests'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_join_requests_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_join_requests'))
    )
    with op.batch_alter_table('join_requests', schema=None) as batch_op:
        batch_op.create_index('ix_join_requests_operator_status', ['operator_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_join_requests_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_join_requests_username_key'), ['username_key'], unique=False)

    op.add_column('geco_practices', sa.Column('requester_email', sa.String(length=254), nullable=True))
    op.add_column('tokens', sa.Column('join_request_id', sa.Integer(), nullable=True))
    if op.get_bind().dialect.name == 'sqlite':
        with _tokens_copied() as batch_op:
            batch_op.create_foreign_key(op.f('fk_tokens_join_request_id_join_requests'), 'join_requests', ['join_request_id'], ['id'], ondelete='CASCADE')
    else:
        op.create_foreign_key(op.f('fk_tokens_join_request_id_join_requests'), 'tokens', 'join_requests', ['join_request_id'], ['id'], ondelete='CASCADE')
    op.create_index(op.f('ix_tokens_join_request_id'), 'tokens', ['join_request_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_tokens_join_request_id'), table_name='tokens')
    op.execute('DELETE FROM tokens WHERE join_request_id IS NOT NULL')
    if op.get_bind().dialect.name == 'sqlite':
        with _tokens_copied() as batch_op:
            batch_op.drop_column('join_request_id')
    else:
        op.drop_constraint(op.f('fk_tokens_join_request_id_join_requests'), 'tokens', type_='foreignkey')
        op.drop_column('tokens', 'join_request_id')
    op.drop_column('geco_practices', 'requester_email')

    with op.batch_alter_table('join_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_join_requests_username_key'))
        batch_op.drop_index(batch_op.f('ix_join_requests_status'))
        batch_op.drop_index('ix_join_requests_operator_status')

    op.drop_table('join_requests')
