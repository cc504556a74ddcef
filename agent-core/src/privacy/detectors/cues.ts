/**
 * Small helpers the detectors share: looking for a cue phrase shortly before a position, and the
 * function words that end a name or a street name.
 */

/** true when `cue` matches within the `window` characters before `at` */
export function cuedBefore(text: string, at: number, cue: RegExp, window = 60): boolean {
  return cue.test(text.slice(Math.max(0, at - window), at));
}

/** Common words that never start or continue a personal or street name. */
export const FUNCTION_WORDS = new Set([
  'a', 'an', 'the', 'and', 'or', 'but', 'so', 'of', 'to', 'in', 'on', 'at', 'for', 'from', 'with', 'by', 'about',
  'is', 'am', 'are', 'was', 'were', 'be', 'been', 'it', 'its', "it's", 'this', 'that', 'there', 'here', 'i', "i'm",
  'me', 'my', 'you', 'your', 'we', 'our', 'he', 'she', 'they', 'his', 'her', 'their', 'just', 'not', 'no', 'yes',
  'calling', 'call', 'speaking', 'trying', 'looking', 'having', 'going', 'getting', 'sorry', 'sure', 'fine',
  'good', 'great', 'okay', 'ok', 'well', 'still', 'also', 'really', 'very', 'again', 'because', 'if', 'then',
  'who', 'what', 'when', 'where', 'why', 'how', 'can', 'could', 'would', 'will', 'should', 'do', 'does', 'did',
  'have', 'has', 'had', 'please', 'thanks', 'thank', 'hi', 'hello', 'hey', 'uh', 'um', 'like', 'actually',
  'important', 'spelled', 'wrong', 'misspelled', 'listed', 'under', 'on', 'new', 'old', 'afraid', 'glad',
  'happy', 'here', 'done', 'ready', 'back', 'away', 'home', 'out', 'up', 'down', 'over', 'all', 'one', 'more',
  'less', 'too', 'only', 'even', 'now', 'today', 'tomorrow', 'yesterday', 'need', 'want', 'wanted', 'wondering',
  'afraid', 'confused', 'frustrated', 'upset', 'worried', 'interested', 'retired', 'disabled', 'married', 'single',
  'pregnant', 'diabetic', 'allergic', 'late', 'early', 'busy', 'tired', 'sick', 'correct', 'right', 'same', 'fine',
  'what', 'which', 'someone', 'somebody', 'nobody', 'everyone', 'everything', 'something', 'nothing', 'again',
  'miles', 'minutes', 'hours', 'days', 'weeks', 'months', 'years', 'dollars', 'bucks', 'cents', 'times', 'people',
  'blocks', 'percent', 'items', 'pills', 'tablets', 'units', 'feet', 'meters', 'pounds',
]);

/** true for a word that starts with a capital letter */
export const capitalised = (word: string): boolean => /^[A-Z]/.test(word);
