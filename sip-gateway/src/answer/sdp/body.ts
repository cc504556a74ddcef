/**
 * Finds the SDP in a SIP message body: a plain application/sdp body, or the application/sdp part of a
 * multipart/mixed body (RFC 5621; carriers send SDP with ISUP this way). A body without Content-Type that
 * starts with `v=` is taken as SDP (lenient with peers that forget the header).
 */

export type SdpBody = { kind: 'none' } | { kind: 'sdp'; sdp: string } | { kind: 'unsupported'; contentType: string };

function mediaType(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase();
}

function boundaryOf(contentType: string): string | undefined {
  const m = /;\s*boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : undefined;
}

function fromMultipart(contentType: string, body: string): string | undefined {
  const boundary = boundaryOf(contentType);
  if (!boundary) return undefined;
  for (const part of body.split(`--${boundary}`)) {
    const sep = /\r?\n\r?\n/.exec(part);
    if (!sep) continue;
    const headers = part.slice(0, sep.index);
    const m = /(?:^|\n)\s*(?:content-type|c)\s*:\s*([^\r\n]+)/i.exec(headers);
    if (m && mediaType(m[1] as string) === 'application/sdp') return part.slice(sep.index + sep[0].length).replace(/\r?\n$/, '');
  }
  return undefined;
}

export function extractSdp(contentType: string | undefined, body: string | undefined): SdpBody {
  if (!body || body.trim() === '') return { kind: 'none' };
  const type = contentType ? mediaType(contentType) : '';
  if (type === 'application/sdp' || (type === '' && /^\s*v=/.test(body))) return { kind: 'sdp', sdp: body };
  if (type === 'multipart/mixed' && contentType) {
    const sdp = fromMultipart(contentType, body);
    if (sdp !== undefined) return { kind: 'sdp', sdp };
  }
  return { kind: 'unsupported', contentType: type || '(none)' };
}
