"""The parse table of ``register``, ``list`` and ``show`` for cli/fast.py,
generated from the Typer commands by ``python -m complaintctl.cli.fastgen``: do not edit.

Each parameter: (name, kind, option strings, secondary option strings (--x/--no-x), required,
default, least, greatest, environment variable).
"""

# fmt: off
# ruff: noqa: E501
NAMES = ('register', 'classify', 'assign', 'update', 'close', 'followup', 'reopen', 'show', 'list', 'search', 'edit', 'cancel', 'digest', 'escalate', 'link', 'report', 'import', 'export', 'verify', 'backup', 'purge-personal', 'calendar', 'policy', 'site', 'shell')
ALIASES = {'ls': 'list'}
ROOT = (
    ('db', 'path', ('--db',), (), False, None, None, None, None),
    ('lang', 'str', ('--lang',), (), False, 'zh', None, None, 'COMPLAINTCTL_LANG'),
    ('site', 'str', ('--site',), (), False, None, None, None, None),
    ('version', 'other', ('--version',), (), False, False, None, None, None),
    ('install_completion', 'other', ('--install-completion',), (), False, None, None, None, None),
    ('show_completion', 'other', ('--show-completion',), (), False, None, None, None, None),
)
COMMANDS = {
    'register': (
        ('channel', 'str', ('--channel',), (), True, None, None, None, None),
        ('name', 'str', ('--name',), (), False, None, None, None, None),
        ('unit', 'str', ('--unit',), (), True, None, None, None, None),
        ('phone', 'str', ('--phone',), (), False, None, None, None, None),
        ('description', 'str', ('--description',), (), True, None, None, None, None),
        ('category', 'str', ('--category',), (), False, None, None, None, None),
        ('severity', 'str', ('--severity',), (), False, None, None, None, None),
        ('location', 'str', ('--location',), (), False, None, None, None, None),
        ('nature', 'str', ('--nature',), (), False, None, None, None, None),
        ('kind', 'str', ('--kind',), (), False, None, None, None, None),
        ('appointment', 'str', ('--appointment',), (), False, None, None, None, None),
        ('urgent', 'flag', ('--urgent',), (), False, False, None, None, None),
        ('anonymous', 'flag', ('--anonymous',), (), False, False, None, None, None),
        ('site', 'str', ('--site',), (), False, None, None, None, None),
        ('at', 'str', ('--at',), (), False, None, None, None, None),
        ('late_reason', 'str', ('--late-entry-reason',), (), False, None, None, None, None),
        ('by', 'str', ('--by',), (), False, None, None, None, None),
        ('as_json', 'flag', ('--json',), (), False, False, None, None, None),
    ),
    'list': (
        ('status', 'str', ('--status',), (), False, None, None, None, None),
        ('department', 'str', ('--department',), (), False, None, None, None, None),
        ('severity', 'str', ('--severity',), (), False, None, None, None, None),
        ('open_only', 'flag', ('--open',), (), False, False, None, None, None),
        ('unit', 'str', ('--unit',), (), False, None, None, None, None),
        ('phone', 'str', ('--phone',), (), False, None, None, None, None),
        ('name', 'str', ('--name',), (), False, None, None, None, None),
        ('text', 'str', ('--text',), (), False, None, None, None, None),
        ('category', 'str', ('--category',), (), False, None, None, None, None),
        ('channel', 'str', ('--channel',), (), False, None, None, None, None),
        ('handler', 'str', ('--handler',), (), False, None, None, None, None),
        ('nature', 'str', ('--nature',), (), False, None, None, None, None),
        ('since', 'str', ('--since',), (), False, None, None, None, None),
        ('until', 'str', ('--until',), (), False, None, None, None, None),
        ('breached', 'flag', ('--breached',), (), False, False, None, None, None),
        ('due_within', 'str', ('--due-within',), (), False, None, None, None, None),
        ('linked', 'pair', ('--linked',), ('--not-linked',), False, None, None, None, None),
        ('limit', 'int', ('--limit',), (), False, None, 1, 1000000, None),
        ('as_of', 'str', ('--as-of',), (), False, None, None, None, None),
        ('kind', 'str', ('--kind',), (), False, None, None, None, None),
        ('site', 'many', ('--site',), (), False, None, None, None, None),
        ('as_json', 'flag', ('--json',), (), False, False, None, None, None),
    ),
    'show': (
        ('complaint_ids', 'words', (), (), True, None, None, None, None),
        ('as_of', 'str', ('--as-of',), (), False, None, None, None, None),
        ('as_json', 'flag', ('--json',), (), False, False, None, None, None),
    ),
}
