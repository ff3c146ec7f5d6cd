/** Types of scripts/layers.mjs, for the tests that import it. */
export declare const LAYERS: readonly (readonly string[])[]
export declare function layerOf(group: string): number
export declare function isBarrel(relativePath: string): boolean
export interface FolderImport {
  readonly from: string
  readonly to: string
  readonly file: string
  readonly barrel: boolean
}
export declare function folderImports(root: string): FolderImport[]
export declare function folderCycles(imports: readonly FolderImport[]): string[][]
export declare function upwardImports(imports: readonly FolderImport[]): FolderImport[]
