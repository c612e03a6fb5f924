// A process that made a hardware target and keeps running (as the companion
// does with its sockets) with no port open: its parent will be killed.
import { createHardwareTarget } from '../hardware-target.ts';

createHardwareTarget({ port: '/dev/mbot-hil-no-such-port' });
setInterval(() => {}, 1000);
process.stdout.write(`ready ${process.pid}\n`);
