// Types of scripts/write-launcher.mjs, for its test.
export declare const PORTABLE: string;
export declare const ENTRY_OPTION: string;
export declare function shebangFor(node: string | undefined, option?: string): string;
export declare function nodeOnPath(pathVar?: string): string | undefined;
export declare function launcherText(source: string, shebang: string): string;
export declare function writeLauncher(options?: { portable?: boolean }): string;
export declare const NODE_ENTRY: string;
