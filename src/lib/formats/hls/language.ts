// An MP4 language as HLS wants it: EXT-X-MEDIA LANGUAGE is a BCP 47 tag (RFC 8216 §4.3.4.1,
// RFC 5646), which uses the two-letter ISO 639-1 code where one exists (RFC 5646 §2.2.1), and
// NAME a human-readable label. MP4's mdhd holds ISO 639-2/T codes; some files carry the /B ones.

// ISO 639-2 (T and B) → [ISO 639-1, English name], for the languages films commonly carry.
const KNOWN: Readonly<Record<string, readonly [string, string]>> = {
  ara: ['ar', 'Arabic'],
  ces: ['cs', 'Czech'],
  cze: ['cs', 'Czech'],
  dan: ['da', 'Danish'],
  deu: ['de', 'German'],
  ger: ['de', 'German'],
  ell: ['el', 'Greek'],
  gre: ['el', 'Greek'],
  eng: ['en', 'English'],
  spa: ['es', 'Spanish'],
  fin: ['fi', 'Finnish'],
  fra: ['fr', 'French'],
  fre: ['fr', 'French'],
  heb: ['he', 'Hebrew'],
  hin: ['hi', 'Hindi'],
  hun: ['hu', 'Hungarian'],
  ita: ['it', 'Italian'],
  jpn: ['ja', 'Japanese'],
  kor: ['ko', 'Korean'],
  nld: ['nl', 'Dutch'],
  dut: ['nl', 'Dutch'],
  nor: ['no', 'Norwegian'],
  pol: ['pl', 'Polish'],
  por: ['pt', 'Portuguese'],
  ron: ['ro', 'Romanian'],
  rum: ['ro', 'Romanian'],
  rus: ['ru', 'Russian'],
  swe: ['sv', 'Swedish'],
  tha: ['th', 'Thai'],
  tur: ['tr', 'Turkish'],
  ukr: ['uk', 'Ukrainian'],
  vie: ['vi', 'Vietnamese'],
  zho: ['zh', 'Chinese'],
  chi: ['zh', 'Chinese'],
};
const BY_TAG = new Map(Object.values(KNOWN).map(([tag, name]) => [tag, name]));

const UNDETERMINED = 'und';

// The BCP 47 tag of an MP4 language (ISO 639-2 code or already a BCP 47 tag from elng).
export function bcp47(language: string): string {
  const lower = language.toLowerCase();
  return KNOWN[lower]?.[0] ?? (/^[a-z]{2,3}(-[a-z0-9]{1,8})*$/.test(lower) ? language : UNDETERMINED);
}

// A label for a tag: its English name when known, else the tag itself; null for 'und'.
export function languageName(tag: string): string | null {
  if (tag === UNDETERMINED) return null;
  const primary = tag.split('-')[0].toLowerCase();
  return BY_TAG.get(primary) ?? KNOWN[primary]?.[1] ?? tag;
}

// Distinct NAMEs (RFC 8216 §4.3.4.1.1: no two renditions of a group share a NAME): a name
// already given gets " 2", " 3", … (the first number not yet taken).
export function distinctNames(names: readonly string[]): string[] {
  const used = new Set<string>();
  return names.map((name) => {
    let label = name;
    for (let n = 2; used.has(label); n++) label = `${name} ${n}`;
    used.add(label);
    return label;
  });
}
