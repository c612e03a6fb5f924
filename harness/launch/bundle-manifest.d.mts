/** Version of the manifest format; another version reads as stale. */
export declare const MANIFEST_VERSION: number;
/** Where bundles go: below the package's `node_modules`, so the packages they import resolve as from the sources. */
export declare const ENTRIES_DIR: string;
/** The name an entry's bundle and manifest go by: its file name and a hash of its path. */
export declare function entryName(entry: string): string;
/** The manifest file of the bundle of `name` in `dir`. */
export declare function manifestPath(dir: string, name: string): string;
/** sha256 (hex) of content. */
export declare function hashOf(content: string | Uint8Array): string;
/** sha256 (hex) of a file's content, or null when it cannot be read. */
export declare function fileHash(path: string): string | null;
/** The bundle of `entry` recorded in `dir` under `name` when it still matches every input it lists; null otherwise. */
export declare function freshBundle(dir: string, name: string, entry: string): string | null;
