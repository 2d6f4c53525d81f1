/** A small CSV parser (RFC 4180 quoting) for small tabular sets, and its conversion to tensors. */
import { tensor, type Tensor } from '@tessera/core';
import { DatasetFormatError } from '../errors.js';

/** Options of `parseCsv`. */
export interface CsvOptions {
  /** Field separator (default `,`). */
  delimiter?: string;
  /** Whether the first row names the columns (default true). */
  header?: boolean;
  /** Name used in error messages. */
  file?: string;
}

/** A parsed table: every row has `columns.length` fields. */
export interface CsvTable {
  /** Column names (`'0'`, `'1'`, ... when the file has no header). */
  columns: string[];
  rows: string[][];
}

/**
 * Parses CSV text: quoted fields may hold delimiters, newlines and `""` escapes; blank lines are
 * skipped; every row must have as many fields as the first.
 *
 * @example
 * const { columns, rows } = parseCsv('a,b\n1,"x, y"\n');  // columns ['a','b'], rows [['1','x, y']]
 */
export function parseCsv(text: string, options: CsvOptions = {}): CsvTable {
  const delimiter = options.delimiter ?? ',';
  const file = options.file ?? '<csv>';
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new RangeError(`parseCsv: the delimiter must be one character other than a quote or newline, got ${JSON.stringify(delimiter)}`);
  }
  const records: { fields: string[]; line: number }[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // byte-order mark
  let fieldStarted = false;
  const endRecord = (): void => {
    if (fieldStarted || fields.length > 0) {
      fields.push(field);
      records.push({ fields, line: recordLine });
    }
    fields = [];
    field = '';
    fieldStarted = false;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"' && !fieldStarted) {
      const start = line;
      i++;
      for (;;) {
        if (i >= text.length) throw new DatasetFormatError(file, `unterminated quoted field starting on line ${start}`);
        const q = text[i]!;
        if (q === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (q === '\n') line++;
        field += q;
        i++;
      }
      fieldStarted = true;
      const next = text[i];
      if (next !== undefined && next !== delimiter && next !== '\n' && next !== '\r') {
        throw new DatasetFormatError(file, `line ${line}: unexpected character ${JSON.stringify(next)} after a quoted field`);
      }
    } else if (c === delimiter) {
      fields.push(field);
      field = '';
      fieldStarted = false;
      i++;
    } else if (c === '\n' || c === '\r') {
      endRecord();
      if (c === '\r' && text[i + 1] === '\n') i++;
      i++;
      line++;
      recordLine = line;
    } else {
      field += c;
      fieldStarted = true;
      i++;
    }
  }
  endRecord();
  const header = options.header ?? true;
  const first = records[0];
  if (!first) return { columns: [], rows: [] };
  const width = first.fields.length;
  for (const r of records) {
    if (r.fields.length !== width) {
      throw new DatasetFormatError(file, `line ${r.line} has ${r.fields.length} fields, expected ${width} (as on line ${first.line})`);
    }
  }
  const columns = header ? first.fields.map((s) => s.trim()) : first.fields.map((_, k) => String(k));
  return { columns, rows: (header ? records.slice(1) : records).map((r) => r.fields) };
}

/** Options of `csvToTensors`. */
export interface CsvTensorOptions extends CsvOptions {
  /** The label column (name or index); its distinct values become class indices in order of appearance. */
  label?: string | number;
  /** Class names in index order (default: in order of first appearance). */
  classes?: readonly string[];
  /** Device of the tensors. */
  device?: string;
}

/**
 * Parses a numeric CSV into float32 features `[rows, features]` and, when `label` names a
 * column, int32 class indices `[rows]`.
 *
 * @example
 * const { x, y, classes } = csvToTensors(text, { label: 'species' });
 */
export function csvToTensors(text: string, options: CsvTensorOptions = {}): { x: Tensor; y: Tensor | null; columns: string[]; classes: string[] } {
  const file = options.file ?? '<csv>';
  const table = parseCsv(text, options);
  let labelIndex = -1;
  if (options.label !== undefined) {
    labelIndex = typeof options.label === 'number' ? options.label : table.columns.indexOf(options.label);
    if (labelIndex < 0 || labelIndex >= table.columns.length) {
      throw new DatasetFormatError(file, `no label column ${JSON.stringify(options.label)} (columns: ${table.columns.join(', ')})`);
    }
  }
  const featureCols = table.columns.map((_, k) => k).filter((k) => k !== labelIndex);
  const n = table.rows.length;
  const x = new Float32Array(n * featureCols.length);
  const classes = [...(options.classes ?? [])];
  const fixedClasses = options.classes !== undefined;
  const y = new Int32Array(n);
  table.rows.forEach((row, r) => {
    featureCols.forEach((k, j) => {
      const s = row[k]!.trim();
      const v = s === '' ? NaN : Number(s);
      if (Number.isNaN(v) && s !== '' && s.toLowerCase() !== 'nan') {
        throw new DatasetFormatError(file, `data row ${r + 1}, column ${table.columns[k]}: ${JSON.stringify(s)} is not a number`);
      }
      x[r * featureCols.length + j] = v;
    });
    if (labelIndex >= 0) {
      const name = row[labelIndex]!.trim();
      let c = classes.indexOf(name);
      if (c < 0) {
        if (fixedClasses) throw new DatasetFormatError(file, `data row ${r + 1}: unknown class ${JSON.stringify(name)} (classes: ${classes.join(', ')})`);
        c = classes.push(name) - 1;
      }
      y[r] = c;
    }
  });
  const device = options.device;
  return {
    x: tensor(x, { shape: [n, featureCols.length], ...(device ? { device } : {}) }),
    y: labelIndex >= 0 ? tensor(y, { shape: [n], ...(device ? { device } : {}) }) : null,
    columns: featureCols.map((k) => table.columns[k]!),
    classes,
  };
}
