// better-auth (npm `better-auth`) with its `@better-auth/oauth-provider` plugin: RFC 7591 dynamic
// client registration at POST /api/auth/oauth2/register, on 127.0.0.1 only, in-memory storage.
//   node server.mjs PORT
//   DCR_INITIAL_ACCESS_TOKEN=...  registration then needs `Authorization: Bearer <value>` (checked by the
//                                 plugin's `validateInitialAccessToken` hook); otherwise it is open.
// Only what registration needs is set: the two registration switches (both off by default in the
// plugin), an in-memory database, a per-start random secret, and the login/consent page paths that
// the plugin requires (they are never served here). Everything else is at the library's defaults.
// better-auth's rate limiter is on only when NODE_ENV=production (its default); start.sh leaves
// NODE_ENV unset unless DCR_RATE_LIMIT=default.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { betterAuth } from 'better-auth';
import { memoryAdapter } from 'better-auth/adapters/memory';
import { toNodeHandler } from 'better-auth/node';
import { jwt } from 'better-auth/plugins';
import { oauthProvider } from '@better-auth/oauth-provider';

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: node server.mjs PORT');
  process.exit(2);
}
const version = (name) => JSON.parse(fs.readFileSync(
  new URL(`./node_modules/${name}/package.json`, import.meta.url), 'utf8')).version;
const baseURL = `http://127.0.0.1:${port}`;
const iat = process.env.DCR_INITIAL_ACCESS_TOKEN || '';
const sameToken = (a, b) => {
  const x = crypto.createHash('sha256').update(a).digest();
  const y = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(x, y);
};

const auth = betterAuth({
  baseURL,
  secret: crypto.randomBytes(32).toString('hex'),
  database: memoryAdapter({}),
  telemetry: { enabled: false },
  plugins: [
    jwt(),
    oauthProvider({
      loginPage: '/login',
      consentPage: '/consent',
      allowDynamicClientRegistration: true,
      allowUnauthenticatedClientRegistration: !iat,
      ...(iat ? { validateInitialAccessToken: ({ initialAccessToken }) => sameToken(initialAccessToken, iat) && {} } : {}),
    }),
  ],
});

const server = http.createServer(toNodeHandler(auth));
server.listen(port, '127.0.0.1', () => {
  console.log(`better-auth ${version('better-auth')} + @better-auth/oauth-provider `
    + `${version('@better-auth/oauth-provider')} DCR on ${baseURL}/api/auth/oauth2/register `
    + `(${iat ? 'initial access token required' : 'open registration'}; rate limit ${process.env.NODE_ENV === 'production' ? 'on' : 'off'})`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
