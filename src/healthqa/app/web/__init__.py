"""The web pages: server-rendered HTML (:mod:`healthqa.app.web.pages`), its ``templates/`` and ``static/`` files."""
