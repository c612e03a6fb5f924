/** Version of the manifest format; another version reads as stale. */
export declare const MANIFEST_VERSION: number;
/** Where bundles go: below the package's `node_modules`, so the packages they import resolve as from the sources. */
export declare const ENTRIES_DIR: string;
/** Set to `0` to run every child (and `mbot-hil` itself) from source through tsx. */
export declare const COMPILED_ENTRIES_ENV: string;
/** True when `env` turns the bundles off (`HIL_COMPILED_ENTRIES=0`). */
export declare function compiledEntriesOff(env: Record<string, string | undefined>): boolean;
/** An entry's file name without its extension: the name of its bundle's main file. */
export declare function entryStem(entry: string): string;
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
