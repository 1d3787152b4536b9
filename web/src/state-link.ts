/**
 * The app's state in a share link: deflate-raw-compressed JSON in base64url after `#s=`, decoded and
 * checked field by field against the domains (state-check.ts checkState) so a crafted link cannot break a view.
 */
import type { AppState } from './state.js';
import { checkState } from './state-check.js';

const toBase64Url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
const fromBase64Url = (text: string) =>
  Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));

async function pipe(
  bytes: Uint8Array<ArrayBuffer>,
  stream: CompressionStream | DecompressionStream,
): Promise<Uint8Array<ArrayBuffer>> {
  const out = new Blob([bytes]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(out).arrayBuffer());
}

export async function encodeState(state: AppState): Promise<string> {
  const json = new TextEncoder().encode(JSON.stringify(state));
  return toBase64Url(await pipe(json, new CompressionStream('deflate-raw')));
}

/**
 * The state in a URL hash, checked against the domains (with a message per value replaced), or null
 * when there is none or it is not ours (never throws).
 */
export async function decodeState(
  hash: string,
  fallback: AppState,
): Promise<{ state: AppState; issues: string[] } | null> {
  const text = hash.replace(/^#s=/, '');
  if (!text || text === hash) return null;
  try {
    const json = new TextDecoder().decode(
      await pipe(fromBase64Url(text), new DecompressionStream('deflate-raw')),
    );
    return checkState(JSON.parse(json), fallback);
  } catch {
    return null;
  }
}
