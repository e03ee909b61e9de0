// The floor for any Node.js proxy: net + socket.pipe() both ways, Nagle off, no parsing.
// LISTEN_PORT / TARGET_HOST / TARGET_PORT from the environment.
import net from 'node:net';

const listenPort = Number(process.env.LISTEN_PORT);
const target = {
  host: process.env.TARGET_HOST ?? '127.0.0.1',
  port: Number(process.env.TARGET_PORT),
};

const server = net.createServer((client) => {
  const upstream = net.connect(target);
  client.setNoDelay(true);
  upstream.setNoDelay(true);
  client.pipe(upstream);
  upstream.pipe(client);
  const down = () => {
    client.destroy();
    upstream.destroy();
  };
  for (const s of [client, upstream]) {
    s.on('error', down);
    s.on('close', down);
  }
});
server.listen(listenPort, '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => process.exit(0));
