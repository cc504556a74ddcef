/** What the gateway tells peers it supports (OPTIONS answers, 405 responses, 2xx to INVITE). */

/** methods the gateway accepts (RFC 3261 §20.5); REFER is listed because it sends and declines it in dialogs */
export const ALLOW = 'INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, UPDATE, REFER, NOTIFY';
/** bodies the gateway understands (SDP; DTMF relay in INFO; sipfrag in transfer NOTIFYs) */
export const ACCEPT = 'application/sdp, application/dtmf-relay, application/dtmf, message/sipfrag';
/** option tags: none required; `replaces`/`timer`/`100rel` are not offered */
export const SUPPORTED = '';
export const ACCEPT_LANGUAGE = 'en';

export function capabilityHeaders(): Record<string, string> {
  // an empty Supported is valid (RFC 3261 §25.1: option-tags are optional) and tells the truth
  return { Allow: ALLOW, Accept: ACCEPT, 'Accept-Encoding': 'identity', 'Accept-Language': ACCEPT_LANGUAGE, Supported: SUPPORTED };
}
