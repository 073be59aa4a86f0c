/** `an environment`, `a system`, `a URL`: the indefinite article by sound, for generated text. */
export function withArticle(noun: string): string {
  // A leading "u" that sounds like "you" (user, URL, UUID, unique) takes "a".
  return `${/^(?:[aeio]|u(?![rsu]|ni))/i.test(noun) ? 'an' : 'a'} ${noun}`;
}
