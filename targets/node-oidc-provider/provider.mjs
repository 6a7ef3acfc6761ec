// node-oidc-provider (npm `oidc-provider`) with Dynamic Client Registration on 127.0.0.1.
//   node provider.mjs PORT            open registration
//   DCR_TOKEN=... node provider.mjs PORT   registration needs `Authorization: Bearer $DCR_TOKEN`
//   DCR_FULL=1 node provider.mjs PORT      also RFC 7592 update and delete (registrationManagement),
//                                          client_credentials, encryption and every response type
// Writes nothing but a start line; binds loopback only; stops on SIGTERM/SIGINT.
import crypto from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: node provider.mjs PORT');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;
const token = process.env.DCR_TOKEN || false;
const full = process.env.DCR_FULL === '1';

// Signing keys are generated per start: tests never depend on them.
const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });

const provider = new Provider(issuer, {
  clients: [],
  ...(full ? {
    responseTypes: ['code', 'id_token', 'id_token token', 'code id_token', 'code token', 'code id_token token', 'none'],
  } : {}),
  jwks: { keys: [{ ...rsa, kid: 'r1', use: 'sig', alg: 'RS256' }, { ...ec, kid: 'e1', use: 'sig', alg: 'ES256' }] },
  cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
  features: {
    devInteractions: { enabled: false },
    registration: { enabled: true, initialAccessToken: token },
    registrationManagement: { enabled: full },
    clientCredentials: { enabled: full },
    encryption: { enabled: full },
  },
});
provider.on('server_error', (_ctx, err) => console.error('server_error', err && err.message));

const server = provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider on ${issuer}/reg (initial access token: ${token ? 'required' : 'none'}${full ? ', full features' : ''})`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
