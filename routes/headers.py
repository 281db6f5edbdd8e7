"""Headers every HTTP answer carries, pages (their shell, Streamlit's files) and routes alike."""

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# No address of ours (a feed's token, a share link) sent to other sites as a Referer, and no
# page of ours framed by another site (clickjacking). The websocket's handshake needs neither.
HEADERS = {"Referrer-Policy": "same-origin", "Content-Security-Policy": "frame-ancestors 'self'"}


class SecurityHeaders:
    """A pure ASGI middleware (Starlette's BaseHTTPMiddleware would buffer streamed answers)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
