// workerd's inspector (through wrangler dev's proxy), for the isolate's JS heap:
// local workerd enforces no memory limit, so the bench and the load test measure
// it. A minimal WebSocket client over node:http: the proxy refuses the handshake
// of Node's built-in WebSocket. Server frames are unmasked; client frames masked.
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';

export async function openInspector(inspectorPort) {
  const socket = await new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port: inspectorPort,
      path: '/ws',
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': randomBytes(16).toString('base64') },
    });
    req.on('upgrade', (_res, sock) => resolve(sock));
    req.on('response', (res) => reject(new Error(`inspector refused the upgrade: ${res.statusCode}`)));
    req.on('error', reject);
    req.end();
  });
  const pending = new Map();
  let buffered = Buffer.alloc(0);
  let closed;
  const fail = (error) => {
    closed = error;
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
  };
  socket.on('error', fail);
  socket.on('close', () => fail(new Error('inspector connection closed')));
  socket.on('data', (chunk) => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= 2) {
      const opcode = buffered[0] & 0x0f;
      let length = buffered[1] & 127;
      let offset = 2;
      if (length === 126) [length, offset] = [buffered.readUInt16BE(2), 4];
      else if (length === 127) [length, offset] = [Number(buffered.readBigUInt64BE(2)), 10];
      if (buffered.length < offset + length) return;
      const payload = buffered.subarray(offset, offset + length);
      buffered = buffered.subarray(offset + length);
      if (opcode === 0x8) {
        fail(new Error(`inspector closed the connection: ${payload.subarray(2).toString('utf8')}`));
        return;
      }
      if (opcode !== 0x1) continue;
      let message;
      try {
        message = JSON.parse(payload.toString('utf8'));
      } catch {
        continue;
      }
      const waiter = pending.get(message.id);
      if (waiter) {
        pending.delete(message.id);
        waiter.resolve(message.result);
      }
    }
  });

  let nextId = 1;
  const send = (method) => {
    if (closed) return Promise.resolve(undefined);
    const id = nextId++;
    const payload = Buffer.from(JSON.stringify({ id, method }));
    const mask = randomBytes(4);
    const header = payload.length < 126 ? Buffer.from([0x81, 0x80 | payload.length]) : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 255]);
    socket.write(Buffer.concat([header, mask, Buffer.from(payload.map((b, i) => b ^ mask[i % 4]))]));
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        resolve(undefined);
      }, 5000);
      pending.set(id, {
        resolve: (result) => (clearTimeout(timer), resolve(result)),
        reject: () => (clearTimeout(timer), resolve(undefined)),
      });
    });
  };
  return { send, close: () => socket.destroy() };
}

/**
 * The isolate's JS heap as it is now (garbage included): { usedSize, totalSize }
 * in bytes, or undefined when the inspector does not answer.
 */
export async function isolateHeap(inspectorPort) {
  const inspector = await openInspector(inspectorPort);
  try {
    return await inspector.send('Runtime.getHeapUsage');
  } finally {
    inspector.close();
  }
}

/**
 * One inspector connection kept for a whole run (the proxy accepts a single
 * client, and reconnecting every window races its release of the previous one),
 * reading the live JS heap: a full GC first, so garbage waiting for collection
 * does not read as growth.
 */
export async function openHeapProbe(inspectorPort) {
  const inspector = await openInspector(inspectorPort);
  return {
    async heap() {
      await inspector.send('HeapProfiler.collectGarbage');
      return inspector.send('Runtime.getHeapUsage');
    },
    close: inspector.close,
  };
}
