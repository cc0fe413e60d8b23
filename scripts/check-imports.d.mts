export interface FoundImport {
  specifier: string;
  line: number;
  kind: 'import' | 'export-from' | 'dynamic-import' | 'require';
  /** The specifier is a template literal's static prefix (the text before its first `${`). */
  partial: boolean;
}
export interface Violation {
  file: string;
  line: number;
  target: string;
  rule: string;
}
export declare const RULES: Record<string, Record<string, string>>;
export declare function findImports(src: string): FoundImport[];
export declare function resolveSpecifier(fromFile: string, specifier: string): string;
export declare function checkImports(root: string): Violation[];
