/** Version of the manifest format; another version reads as stale. */
export declare const MANIFEST_VERSION: number;
/** Where bundles go: below the package's `node_modules`, so the packages they import resolve as from the sources. */
export declare const ENTRIES_DIR: string;
/** The manifest file of the bundle of `name` in `dir`. */
export declare function manifestPath(dir: string, name: string): string;
/** The stamp of one source file: [size, mtimeMs, inode], or null when it is gone. */
export declare function stampOf(path: string): [number, number, number] | null;
/** The bundle of `entry` recorded in `dir` under `name` when it still matches every source it lists; null otherwise. */
export declare function freshBundle(dir: string, name: string, entry: string): string | null;
