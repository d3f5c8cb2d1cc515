import { request } from 'node:http';
import { connect as connectNet, type Socket } from 'node:net';
import WebSocket from 'ws';
import { json } from './directline-helpers.js';

/** What the server sends on a stream: activity sets (parsed) and empty keep-alive frames (''). */
export interface StreamLog {
  ws: WebSocket;
  frames: string[];
  sets: { activities: { id: string; type: string; text?: string; replyToId?: string; from: { role?: string }; channelData?: Record<string, unknown> }[]; watermark?: string }[];
  closed: Promise<{ code: number; reason: string }>;
}

/** Opens a stream URL with the `ws` client; rejects with the HTTP status when the server refuses the upgrade. */
export function openStream(url: string): Promise<StreamLog> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const log: StreamLog = { ws, frames: [], sets: [], closed: new Promise((done) => ws.once('close', (code, reason) => done({ code, reason: reason.toString() }))) };
    ws.on('message', (data) => {
      const text = data.toString();
      log.frames.push(text);
      if (text !== '') log.sets.push(JSON.parse(text) as StreamLog['sets'][number]);
    });
    ws.once('open', () => resolve(log));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode, body })));
    });
    ws.once('error', (err) => reject(err));
  });
}

export async function startConversation(url: string, token: string, body: unknown = {}): Promise<{ conversationId: string; token: string; streamUrl?: string }> {
  const res = await fetch(`${url}/v3/directline/conversations`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 201 && res.status !== 200) throw new Error(`conversations answered ${res.status}`);
  return (await json(res)) as { conversationId: string; token: string; streamUrl?: string };
}

export function postActivity(url: string, conversationId: string, token: string, activity: Record<string, unknown>): Promise<Response> {
  return fetch(`${url}/v3/directline/conversations/${conversationId}/activities`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(activity),
  });
}

/** Every activity of a conversation by polling, page after page, and the bytes of each page. */
export async function pollAll(url: string, conversationId: string, token: string, from = 0): Promise<{ activities: { id: string }[]; pages: number[]; watermark: number }> {
  const activities: { id: string }[] = [];
  const pages: number[] = [];
  let watermark = from;
  for (;;) {
    const res = await fetch(`${url}/v3/directline/conversations/${conversationId}/activities?watermark=${watermark}`, { headers: { Authorization: `Bearer ${token}` } });
    const text = await res.text();
    const set = JSON.parse(text) as { activities: { id: string }[]; watermark?: string };
    if (set.activities.length === 0) return { activities, pages, watermark };
    pages.push(Buffer.byteLength(text));
    activities.push(...set.activities);
    watermark = Number(set.watermark);
  }
}

/** An HTTP request from a chosen loopback address (127.0.0.x), as a client on another address would send it. */
export function requestFrom(
  localAddress: string,
  url: string,
  method: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, localAddress, headers: { ...headers, ...(body ? { 'Content-Length': String(Buffer.byteLength(body)) } : {}) }, agent: false }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.once('error', reject);
    req.end(body);
  });
}

/** A raw TCP connection to the server, with what it answered and when it closed (ms after opening). */
export function rawSocket(url: string, write?: string): Promise<{ socket: Socket; received: () => string; closedAfter: Promise<number> }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let received = '';
    const socket = connectNet(Number(port), hostname);
    const closedAfter = new Promise<number>((done) => socket.once('close', () => done(Date.now() - started)));
    socket.on('data', (d) => (received += d.toString()));
    socket.once('error', () => undefined);
    socket.once('connect', () => {
      if (write) socket.write(write);
      resolve({ socket, received: () => received, closedAfter });
    });
    socket.once('error', reject);
  });
}
