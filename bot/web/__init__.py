"""The web pages of the live final: the big-screen scoreboard and the quiz master's console.

`pufa web` (or `pufa run` with PUFA_WEB_ENABLED) serves them with aiohttp; see `server` for
the routes and their rules, `feed` for the shared version poll and the `BoardSource` protocol,
`console` for how a button press becomes a command of the conversation layer, `pages` and
`static/` for what the browser gets, `run` for starting it. The secret links live in
`bot/weblinks.py` (no web framework there: the CLI and the bot's /weblinks use them too).
"""
