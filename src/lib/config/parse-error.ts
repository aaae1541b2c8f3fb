// A configuration file that does not parse, said in one line that keeps where: cosmiconfig's
// message spreads the place over a code frame (JSON) or a trailing "(line:column)" (YAML), and
// its first line alone ("JSON Error in …/casterpak.json:") names the file but not the mistake.
import { stripVTControlCharacters } from 'node:util';

// `<file>:<line>:<column>: <reason>`, or null when the message is not one of these parse errors.
// The code frame is coloured when the terminal (or a CI environment) says it supports colour:
// the escapes are dropped before the frame is read.
export function parseErrorLine(message: string): string | null {
  const lines = stripVTControlCharacters(message).split('\n');
  const head = /^(JSON|YAML) Error in (.+?):\s*$/.exec(lines[0]);
  if (!head) return null;
  const [, format, file] = head;
  if (format === 'YAML') {
    const reason = /^(.*?)\s*\((\d+):(\d+)\)\s*$/.exec(lines[1] ?? '');
    return reason ? `${format} error in ${file}:${reason[2]}:${reason[3]}: ${reason[1]}` : null;
  }
  // The code frame: `> 3 |   "serve": …` marks the line, the next line's `^` the column.
  const marked = lines.findIndex((line) => /^>\s*\d+\s*\|/.test(line));
  const caret = lines[marked + 1] ?? '';
  const reason = lines.find((line) => line.trim() !== '' && !/^\s*(>\s*)?\d*\s*\|/.test(line) && line !== lines[0]);
  if (marked < 0 || reason === undefined) return null;
  const line = Number(/\d+/.exec(lines[marked])![0]);
  const bar = caret.indexOf('|');
  const column = caret.indexOf('^') > bar && bar >= 0 ? caret.indexOf('^') - bar - 1 : null;
  // The reason ends with the text JSON.parse was given, flattened: noise next to the place.
  const why = reason
    .replace(/ while parsing '.*$/, '')
    .replace(/ in JSON at position \d+/, '')
    .trim();
  return `${format} error in ${file}:${line}${column === null ? '' : `:${column}`}: ${why}`;
}
