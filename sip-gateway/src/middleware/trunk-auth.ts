/**
 * Trunk authentication for out-of-dialog requests: a request is accepted when it comes from a trunk's `allow`
 * networks, or carries valid Digest credentials of a trunk (RFC 3261 §22.2, 401 + WWW-Authenticate), or both
 * when the trunk configures both. Unknown sources that no digest trunk could vouch for get 403 Forbidden.
 * The recognised trunk is left on `req.locals.trunk`; a refused request never reaches routing.
 */
import type { Logger, TrunkConfig } from '@callgate/contracts';
import { CidrList } from '../net/cidr.js';
import { formatChallenge, parseAuthorization } from '../auth/digest-header.js';
import type { DigestVerifier } from '../auth/digest.js';
import { locals, type Middleware, type TrunkIdentity } from '../sip/types.js';

interface CompiledTrunk {
  config: TrunkConfig;
  allow: CidrList;
}

export interface TrunkAuthOptions {
  trunks: readonly TrunkConfig[];
  verifier: DigestVerifier;
  logger: Logger;
}

export function createTrunkAuth(opts: TrunkAuthOptions): Middleware {
  const trunks: CompiledTrunk[] = opts.trunks.map((t) => ({ config: t, allow: new CidrList(t.allow) }));
  const log = opts.logger;

  return function trunkAuth(req, res, next) {
    const source = req.source_address;
    const byAddress = trunks.filter((t) => t.allow.size > 0 && t.allow.contains(source));
    const addressOnly = byAddress.find((t) => !t.config.digest);
    if (addressOnly) {
      accept(addressOnly, 'address');
      return;
    }
    // trunks that may vouch for this request with a digest: address-matched ones that also want a digest,
    // and digest-only ones (no allow list)
    const candidates = [...byAddress, ...trunks.filter((t) => t.allow.size === 0)].filter((t) => t.config.digest);
    if (candidates.length === 0) {
      log.warn('request from an unknown source refused', { method: req.method, source });
      res.send(403, 'Forbidden');
      return;
    }

    let challengeRealm: string | undefined;
    let stale = false;
    for (const cred of parseAuthorization(req.get('Authorization'))) {
      for (const t of candidates) {
        const d = t.config.digest;
        if (!d || d.realm !== cred.realm) continue;
        challengeRealm ??= d.realm;
        if (d.username !== cred.username) continue;
        const verdict = opts.verifier.verify(cred, d, req.method, req.uri);
        if (verdict.ok) {
          accept(t, t.allow.size > 0 ? 'address+digest' : 'digest');
          return;
        }
        if (verdict.reason === 'uri-mismatch') {
          // RFC 2617 §3.2.2.5: the digest-uri must be the Request-URI
          res.send(400, 'Bad Request - Authorization URI Mismatch');
          return;
        }
        if (verdict.reason === 'stale') stale = true;
        else log.info('digest authentication failed', { method: req.method, source, trunk: t.config.name, reason: verdict.reason });
      }
    }

    const realm = challengeRealm ?? (candidates[0]?.config.digest?.realm as string);
    res.send(401, 'Unauthorized', {
      headers: { 'WWW-Authenticate': formatChallenge({ realm, nonce: opts.verifier.challengeNonce(realm), stale }) },
    });

    function accept(t: CompiledTrunk, via: TrunkIdentity['via']): void {
      locals(req).trunk = { name: t.config.name, via };
      next();
    }
  };
}
