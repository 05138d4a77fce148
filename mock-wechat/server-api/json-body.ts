// The body checks of the POST APIs that take a JSON object: WeChat answers an empty body 44002 and one that is not a
// JSON object 47001 (…/OpenApiDoc/user-info/basic-info/checkEncryptedData.html, error table).
import { WeChatError } from '../errors.js';
import { parseJsonObject, type ServerRequest } from './request.js';

export function jsonBody(r: ServerRequest, codes: { empty: number; malformed: number } = { empty: 44002, malformed: 47001 }): Record<string, unknown> {
  if (r.raw === undefined || r.raw.trim() === '') throw new WeChatError(codes.empty);
  const b = parseJsonObject(r.raw);
  if (!b) throw new WeChatError(codes.malformed);
  return b;
}
