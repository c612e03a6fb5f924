/**
 * Structural copies of the serialport binding types (`@serialport/bindings-interface`
 * 1.2) and a typed handle on `@serialport/binding-mock`. Both packages ship
 * types that TypeScript's NodeNext resolution cannot reach through their
 * `exports` maps, and a global `declare module` would collide with other
 * files, so the shapes live here. They are assignable to the real ones
 * (`SerialPortStream`'s `binding` option accepts them).
 */
import { createRequire } from 'node:module';

/** serialport OpenOptions. */
export interface OpenOptions {
  path: string;
  baudRate: number;
  dataBits?: 5 | 6 | 7 | 8;
  lock?: boolean;
  stopBits?: 1 | 1.5 | 2;
  parity?: string;
  rtscts?: boolean;
  xon?: boolean;
  xoff?: boolean;
  xany?: boolean;
  hupcl?: boolean;
}

/** serialport UpdateOptions. */
export interface UpdateOptions {
  baudRate: number;
}

/** serialport SetOptions (modem control lines). */
export interface SetOptions {
  brk?: boolean;
  cts?: boolean;
  dsr?: boolean;
  dtr?: boolean;
  rts?: boolean;
}

/** serialport PortStatus. */
export interface PortStatus {
  cts: boolean;
  dsr: boolean;
  dcd: boolean;
}

/** serialport PortInfo (only `path` is guaranteed). */
export interface PortInfo {
  path: string;
  manufacturer: string | undefined;
  serialNumber: string | undefined;
  pnpId: string | undefined;
  locationId: string | undefined;
  productId: string | undefined;
  vendorId: string | undefined;
}

/**
 * An open port. Reads and writes in flight when the port closes reject with
 * an error whose `canceled` is true; any other rejection means a disconnect.
 */
export interface BindingPortInterface {
  readonly openOptions: Required<OpenOptions>;
  isOpen: boolean;
  close(): Promise<void>;
  read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }>;
  write(buffer: Buffer): Promise<void>;
  update(options: UpdateOptions): Promise<void>;
  set(options: SetOptions): Promise<void>;
  get(): Promise<PortStatus>;
  getBaudRate(): Promise<{ baudRate: number }>;
  flush(): Promise<void>;
  drain(): Promise<void>;
}

/** A serialport binding: lists and opens ports. */
export interface BindingInterface<T extends BindingPortInterface = BindingPortInterface> {
  list(): Promise<PortInfo[]>;
  open(options: OpenOptions): Promise<T>;
}

/** The mock's open port (`MockPortBinding`). */
export interface MockPortBinding extends BindingPortInterface {
  /** Appends bytes to the port's read buffer (throws when the port is closed). */
  emitData(data: Buffer | string): void;
  lastWrite: Buffer | null;
}

/** `MockBinding` of @serialport/binding-mock 10.x. */
export interface MockBindingApi extends BindingInterface<MockPortBinding> {
  reset(): void;
  createPort(
    path: string,
    opt?: { echo?: boolean; record?: boolean; readyData?: Buffer; maxReadSize?: number; manufacturer?: string; vendorId?: string; productId?: string },
  ): void;
}

const require = createRequire(import.meta.url);

/** The process-wide `MockBinding` registry (CommonJS copy, shared with any other user of the mock). */
export const MockBinding: MockBindingApi = (require('@serialport/binding-mock') as { MockBinding: MockBindingApi }).MockBinding;
