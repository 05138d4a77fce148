// The SDKs under test, each with the version installed here (package-lock.json pins them).
import { createRequire } from 'node:module';
import coWechatApi from './co-wechat-api.mjs';
import nodeEasywechat from './node-easywechat.mjs';
import tnwx from './tnwx.mjs';
import wechatJssdk from './wechat-jssdk.mjs';

const require = createRequire(import.meta.url);

export const SDKS = [nodeEasywechat, wechatJssdk, tnwx, coWechatApi].map((sdk) => ({
  ...sdk,
  version: require(`${sdk.name}/package.json`).version,
}));
