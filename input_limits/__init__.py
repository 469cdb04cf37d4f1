"""How much input the program accepts: one table, read wherever a limit is enforced.

Domain-neutral on purpose (no imports), so the domain packages and `bot/` can both read it.
The column-bound limits match the database schema: raising them needs a migration.

| limit                | default   | enforced in                                            |
|----------------------|-----------|--------------------------------------------------------|
| MAX_YAML_BYTES       | 2 MiB     | any YAML data file: bank, blueprint, FAQ, roster       |
| MAX_ROSTER_SLOTS     | 100,000   | consultation slots one roster import may create        |
| MAX_KEPT_QUERY_CHARS | 200       | an unanswered question kept for editors (faq_miss.query)|
| MAX_TOPIC_CHARS      | 300       | a booking's topic (booking.topic)                      |
| MAX_TELEGRAM_ID      | 2**52 - 1 | a Telegram user id in a roster (ids fit in 52 bits)    |
"""

MAX_YAML_BYTES = 2 * 1024 * 1024  # the shipped bank's largest file is under 100 KB
MAX_ROSTER_SLOTS = 100_000  # about two years of ten lawyers on duty eight hours a day
MAX_KEPT_QUERY_CHARS = 200  # the faq_miss.query column
MAX_TOPIC_CHARS = 300  # the booking.topic column
MAX_TELEGRAM_ID = 2**52 - 1  # Telegram promises user ids fit in 52 bits

__all__ = [
    "MAX_KEPT_QUERY_CHARS",
    "MAX_ROSTER_SLOTS",
    "MAX_TELEGRAM_ID",
    "MAX_TOPIC_CHARS",
    "MAX_YAML_BYTES",
]
