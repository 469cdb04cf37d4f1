"""Delivery: the inbox, the outbox, the scheduler loop, and the process that runs them.

`bot.delivery.runner.Delivery` runs the loops of one bot process; `models` holds the tables
and `store` the steps of an update's life. (Nothing is imported here: the conversation layer
imports `models` through the scheduler, and `runner` imports the conversation layer.)
"""
