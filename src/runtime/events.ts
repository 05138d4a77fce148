// The event object a page handler receives when a button is tapped, as WeChat builds it for the button's open-type
// (https://developers.weixin.qq.com/miniprogram/dev/component/button.html and
// https://developers.weixin.qq.com/miniprogram/dev/framework/view/wxml/event.html): a plain tap carries the touch
// position; getUserInfo, getPhoneNumber and chooseAvatar put what the user agreed to hand over in `detail`.
import type { WxResult } from './invoke.js';

export const OPEN_TYPES = ['getUserInfo', 'getPhoneNumber', 'chooseAvatar'] as const;
export type OpenType = (typeof OPEN_TYPES)[number];

export const isOpenType = (s: string): s is OpenType => (OPEN_TYPES as readonly string[]).includes(s);

/** What a button event needs from WeChat: the open data for the user, from the mock; a place for a picked file. */
export interface EventSource {
  openData(name: 'getUserInfo' | 'getPhoneNumber'): Promise<WxResult>;
  /** Writes a temporary file and answers its path (files.ts), so the program can upload what the user picked. */
  saveTemp(name: string, bytes: Buffer): string;
}

/** The picture a simulated user picks as avatar: a 1×1 grey baseline JPEG (159 bytes; Chromium decodes it). */
const AVATAR_JPEG = Buffer.from(
  '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQH/wAALCAABAAEBAREA/8QAFAABAAAAAAAAAAAAAAAAAAAAAP/EABQQAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQEAAD8AP//Z',
  'base64',
);

function base(type: string, detail: Record<string, unknown>, timeStamp: number) {
  const target = { id: '', offsetLeft: 0, offsetTop: 0, dataset: {} };
  return { type, timeStamp, target, currentTarget: { ...target, dataset: {} }, mark: {}, detail, mut: false };
}

/** A plain tap (bindtap): a touch at the button's corner. */
export function tapEvent(timeStamp: number) {
  const touch = { identifier: 0, pageX: 0, pageY: 0, clientX: 0, clientY: 0, force: 1 };
  return { ...base('tap', { x: 0, y: 0 }, timeStamp), touches: [touch], changedTouches: [touch] };
}

/**
 * The event for a button with this open-type, the user's answer decided by the mock user. The handler gets it
 * whether the user agreed or not; a refusal is `detail.errMsg` ending in `:fail ...`.
 */
export async function openTypeEvent(openType: OpenType, src: EventSource, timeStamp: number) {
  switch (openType) {
    case 'getUserInfo': {
      // bindgetuserinfo: detail is wx.getUserInfo's success object (errMsg, userInfo, rawData, signature,
      // encryptedData, iv), or only errMsg when the user refuses.
      const r = await src.openData('getUserInfo');
      return base('getuserinfo', pick(r, ['errMsg', 'userInfo', 'rawData', 'signature', 'encryptedData', 'iv', 'cloudID']), timeStamp);
    }
    case 'getPhoneNumber': {
      // bindgetphonenumber: detail {errMsg, code, encryptedData, iv}; a refusal is "getPhoneNumber:fail user deny".
      const r = await src.openData('getPhoneNumber');
      return base('getphonenumber', pick(r, ['errMsg', 'code', 'encryptedData', 'iv', 'cloudID']), timeStamp);
    }
    case 'chooseAvatar':
      // bindchooseavatar: detail {avatarUrl}, a temporary file of the picture the user picked (a real file in the
      // run's temporary folder, so wx.uploadFile can send it to the backend).
      return base('chooseavatar', { avatarUrl: src.saveTemp(`wxlogin-avatar-${timeStamp}.jpeg`, AVATAR_JPEG) }, timeStamp);
  }
}

function pick(r: WxResult, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (r[k] !== undefined) out[k] = r[k];
  return out;
}
