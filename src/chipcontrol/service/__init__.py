"""chipcontrol as a service: an HTTP API, a decision log and a web page (`chipcontrol serve`).

Needs the `serve` extra (`pip install 'chipcontrol[serve]'`): FastAPI and uvicorn are imported only by
`chipcontrol.service.app`, never by `import chipcontrol`. Build the app with
`from chipcontrol.service.app import create_app`.
"""
