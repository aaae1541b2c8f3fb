import { describe, expect, it } from 'vitest';
import { bcp47, distinctNames, languageName } from '../../../../src/lib/formats/hls/language.js';

describe('languages for EXT-X-MEDIA', () => {
  it('turns ISO 639-2 codes (T and B) into BCP 47 tags, keeping tags elng gave', () => {
    expect(['eng', 'fra', 'fre', 'ger', 'und', 'tlh', 'pt-BR', 'x', '12a'].map(bcp47)).toEqual([
      'en',
      'fr',
      'fr',
      'de',
      'und',
      'tlh',
      'pt-BR',
      'und',
      'und',
    ]);
  });
  it('names known languages, keeps an unknown tag, and has no name for und', () => {
    expect(['en', 'fr-CA', 'tlh', 'und'].map(languageName)).toEqual(['English', 'French', 'tlh', null]);
  });
  it('makes names distinct in order', () => {
    expect(distinctNames(['English', 'French', 'English', 'English 2', 'English'])).toEqual([
      'English',
      'French',
      'English 2',
      'English 2 2',
      'English 3',
    ]);
  });
});
