/**
 * Replaces properties of global objects and puts them back exactly (same
 * property descriptors, including accessors such as Node's
 * `globalThis.performance` getter/setter).
 */

/** One property to replace. */
export interface GlobalPatch {
  target: object;
  key: string;
  value: unknown;
}

/** Undoes a `swapGlobals`; calling it twice is a no-op. */
export type RestoreGlobals = () => void;

/** Applies `patches` in order; returns a function restoring them in reverse order. */
export function swapGlobals(patches: readonly GlobalPatch[]): RestoreGlobals {
  const saved: { target: object; key: string; desc: PropertyDescriptor | undefined }[] = [];
  try {
    for (const p of patches) {
      const desc = Object.getOwnPropertyDescriptor(p.target, p.key);
      Object.defineProperty(p.target, p.key, {
        value: p.value,
        writable: true,
        configurable: true,
        enumerable: desc?.enumerable ?? true,
      });
      saved.push({ target: p.target, key: p.key, desc });
    }
  } catch (err) {
    restore(saved);
    throw err;
  }
  let done = false;
  return () => {
    if (done) return;
    done = true;
    restore(saved);
  };
}

function restore(saved: { target: object; key: string; desc: PropertyDescriptor | undefined }[]): void {
  for (let i = saved.length - 1; i >= 0; i--) {
    const s = saved[i]!;
    if (s.desc) Object.defineProperty(s.target, s.key, s.desc);
    else Reflect.deleteProperty(s.target, s.key);
  }
}
