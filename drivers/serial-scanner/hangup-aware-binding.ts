/**
 * serialport's Linux binding, with one fix: a read that returns 0 bytes is a hang-up, not "try again".
 *
 * On Linux a tty whose other end hung up (USB-serial adapter unplugged on some drivers, a pty whose
 * master closed) reads as end-of-file (drivers/tty/tty_io.c: hung_up_tty_read returns 0). The port is
 * opened O_NONBLOCK with VMIN=1, so "no data yet" is EAGAIN and 0 can only mean EOF — but
 * @serialport/bindings-cpp 13's unixRead retries 0-byte reads at once, spinning a CPU forever and
 * never reporting the disconnect. Here EOF becomes an error, which serialport turns into a
 * `close` event with a DisconnectedError, like any other unplug. Other platforms use the stock binding.
 */
import { read } from 'node:fs';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { SerialPort } from 'serialport';
import type { LinuxBindingInterface, LinuxPortBinding } from '@serialport/bindings-cpp';

// Only `serialport` is a dependency of ours: its binding comes from SerialPort.binding, and the read
// loop is required from serialport's own copy of @serialport/bindings-cpp (wherever npm put it).
const readAsync = promisify(read);
type UnixRead = (o: { binding: LinuxPortBinding; buffer: Buffer; offset: number; length: number; fsReadAsync: typeof readAsync }) => Promise<{ bytesRead: number; buffer: Buffer }>;
let unixReadFn: UnixRead | undefined;
function unixRead(): UnixRead {
  if (!unixReadFn) {
    const fromSerialport = createRequire(createRequire(import.meta.url).resolve('serialport'));
    unixReadFn = (fromSerialport('@serialport/bindings-cpp/dist/unix-read.js') as { unixRead: UnixRead }).unixRead;
  }
  return unixReadFn;
}

async function readOrHangUp(fd: number, buffer: Buffer, offset: number, length: number, position: null): Promise<{ bytesRead: number; buffer: Buffer }> {
  const r = await readAsync(fd, buffer, offset, length, position);
  if (r.bytesRead === 0 && length > 0) throw Object.assign(new Error('device hung up (end of file on the tty)'), { code: 'EHANGUP', disconnect: true });
  return r;
}

function hangupAware(base: LinuxBindingInterface): LinuxBindingInterface {
  return {
    list: () => base.list(),
    async open(options: Parameters<LinuxBindingInterface['open']>[0]) {
      const port = await base.open(options);
      const original = port.read.bind(port);
      port.read = async (buffer: Buffer, offset: number, length: number) => {
        if (!port.isOpen) return original(buffer, offset, length); // the stock checks and errors
        return unixRead()({ binding: port, buffer, offset, length, fsReadAsync: readOrHangUp as unknown as typeof readAsync });
      };
      return port;
    },
  };
}

/** The binding to pass to `new SerialPort({ binding, … })`. */
export function serialBinding(): typeof SerialPort.binding {
  return process.platform === 'linux' ? (hangupAware(SerialPort.binding as LinuxBindingInterface) as typeof SerialPort.binding) : SerialPort.binding;
}
