"""pyoidc (PyPI `oic`) OpenID Connect Provider with its dynamic client registration endpoint.

Usage: python app.py PORT   -- serves on 127.0.0.1:PORT only, in the foreground (stdlib WSGI server,
one thread per request). Issuer: http://127.0.0.1:PORT. Storage: in-memory dicts (lost on restart).

Routes (all handled by oic.oic.provider.Provider; this file only maps HTTP to its methods):
  POST /registration                      registration_endpoint (RFC 7591 / OIDC Registration)
  GET  /registration?client_id=...        client read with the registration_access_token (Bearer)
  GET  /.well-known/openid-configuration  providerinfo_endpoint
The Provider is built with the library's defaults; the only things supplied are what its constructor
requires: a session DB, an empty client DB, one "no authentication" login method (never used by
registration), the default authorization handler and client authentication (`verify_client`).
"""
import logging
import sys
from importlib.metadata import version
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from oic import rndstr
from oic.oic.provider import Provider
from oic.utils.authn.authn_context import AuthnBroker
from oic.utils.authn.client import verify_client
from oic.utils.authn.user import NoAuthn
from oic.utils.authz import AuthzHandling
from oic.utils.http_util import Response
from oic.utils.sdb import create_session_db


def build_provider(issuer):
    broker = AuthnBroker()
    broker.add("urn:dcrcheck:none", NoAuthn(None, "anonymous"))
    sdb = create_session_db(issuer, secret=rndstr(32), password=rndstr(32))
    return Provider(issuer, sdb, {}, broker, None, AuthzHandling(), verify_client, rndstr(16),
                    baseurl=issuer + "/")


def make_app(provider):
    def app(environ, start_response):
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        authn = environ.get("HTTP_AUTHORIZATION", "")
        if path == "/registration":
            if method == "POST":
                length = int(environ.get("CONTENT_LENGTH") or 0)
                body = environ["wsgi.input"].read(length).decode("utf-8", "replace")
                resp = provider.registration_endpoint(request=body, authn=authn, method="POST")
            else:
                resp = provider.registration_endpoint(request=environ.get("QUERY_STRING", ""),
                                                      authn=authn, method=method)
        elif path == "/.well-known/openid-configuration" and method == "GET":
            resp = provider.providerinfo_endpoint()
        else:
            resp = Response("Not Found", status_code=404, content="text/plain")
        return resp(environ, start_response)

    return app


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # one line per request on stderr, no reverse DNS
        sys.stderr.write("%s\n" % (format % args))


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8000
    issuer = f"http://127.0.0.1:{port}"
    logging.basicConfig(level=logging.WARNING)
    app = make_app(build_provider(issuer))
    with make_server("127.0.0.1", port, app, server_class=ThreadingWSGIServer,
                     handler_class=QuietHandler) as httpd:
        print(f"oic {version('oic')} DCR on {issuer}/registration (open registration)", flush=True)
        httpd.serve_forever()


if __name__ == "__main__":
    main()
