"""Serving over HTTP: uvicorn's protocol hardened (:mod:`healthqa.app.server.protocol`) and several worker
processes on one port (:mod:`healthqa.app.server.workers`)."""
