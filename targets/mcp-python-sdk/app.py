"""Python MCP SDK (PyPI `mcp`): an MCP server at /mcp with the SDK's own authorization server
(RFC 7591 client registration included) on the same port, as `MCPServer(auth=...,
auth_server_provider=...)` sets it up.

Usage: python app.py PORT   -- serves on 127.0.0.1:PORT only, in the foreground.
The SDK's own routes and handlers do all request handling; this file only supplies what the SDK
leaves abstract: an in-memory client dict, an `authorize` that sends the user agent to a login
page that does not exist (nobody logs in), and no tokens. Registration is turned on
(`ClientRegistrationOptions(enabled=True)`, everything else at SDK defaults).
"""
import sys
from importlib.metadata import version

import uvicorn
from mcp.server.auth.provider import OAuthAuthorizationServerProvider
from mcp.server.auth.settings import AuthSettings, ClientRegistrationOptions
from mcp.server.mcpserver import MCPServer


class InMemoryClients(OAuthAuthorizationServerProvider):
    """Stores registered clients in a dict; nothing else is implemented."""

    def __init__(self, issuer):
        self.clients = {}
        self.issuer = issuer

    async def get_client(self, client_id):
        return self.clients.get(client_id)

    async def register_client(self, client_info):
        self.clients[client_info.client_id] = client_info

    async def authorize(self, client, params):
        # Where a person would log in; the SDK has checked the client, redirect URI and PKCE.
        return f"{self.issuer}/login?state={params.state or ''}"

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
    server = MCPServer(
        "dcrcheck-target",
        auth_server_provider=InMemoryClients(issuer),
        auth=AuthSettings(
            issuer_url=issuer,
            resource_server_url=f"{issuer}/mcp",
            client_registration_options=ClientRegistrationOptions(enabled=True),
            validate_token_resource=False,
        ),
    )
    app = server.streamable_http_app()
    print(f"mcp {version('mcp')} MCP on {issuer}/mcp, DCR on {issuer}/register (open registration)", flush=True)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
