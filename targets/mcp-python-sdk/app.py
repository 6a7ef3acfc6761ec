"""Python MCP SDK (PyPI `mcp`) authorization-server routes with RFC 7591 client registration.

Usage: python app.py PORT   -- serves on 127.0.0.1:PORT only, in the foreground.
The SDK's own `create_auth_routes` and `RegistrationHandler` do all request handling; this file
only supplies the storage the SDK leaves abstract (an in-memory client dict) and turns
registration on (`ClientRegistrationOptions(enabled=True)`, everything else at SDK defaults).
Only POST /register (and the discovery document) are meant to be used: authorize/token
methods of the provider are not implemented.
"""
import sys
from importlib.metadata import version

import uvicorn
from mcp.server.auth.provider import OAuthAuthorizationServerProvider
from mcp.server.auth.routes import create_auth_routes
from mcp.server.auth.settings import ClientRegistrationOptions
from pydantic import AnyHttpUrl
from starlette.applications import Starlette


class InMemoryClients(OAuthAuthorizationServerProvider):
    """Stores registered clients in a dict; nothing else is implemented."""

    def __init__(self):
        self.clients = {}

    async def get_client(self, client_id):
        return self.clients.get(client_id)

    async def register_client(self, client_info):
        self.clients[client_info.client_id] = client_info

    async def authorize(self, client, params):
        raise NotImplementedError

    async def load_authorization_code(self, client, authorization_code):
        return None

    async def exchange_authorization_code(self, client, authorization_code):
        raise NotImplementedError

    async def load_refresh_token(self, client, refresh_token):
        return None

    async def exchange_refresh_token(self, client, refresh_token, scopes):
        raise NotImplementedError

    async def load_access_token(self, token):
        return None

    async def revoke_token(self, token):
        return None


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8000
    issuer = f"http://127.0.0.1:{port}"
    routes = create_auth_routes(
        provider=InMemoryClients(),
        issuer_url=AnyHttpUrl(issuer),
        client_registration_options=ClientRegistrationOptions(enabled=True),
    )
    print(f"mcp {version('mcp')} DCR on {issuer}/register (open registration)", flush=True)
    uvicorn.run(Starlette(routes=routes), host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
