import type { PhoneApp } from './phone-model';
import { SeededRandom } from './seeded-random';

/** Third-party apps a generated phone may have installed (AppDomain-<bundleId>, protocol.md §5.8). */
const CATALOG: readonly (readonly [bundleId: string, name: string])[] = [
  ['com.burbn.instagram', 'Instagram'], ['net.whatsapp.WhatsApp', 'WhatsApp'], ['com.spotify.client', 'Spotify'],
  ['org.whispersystems.signal', 'Signal'], ['com.google.Maps', 'Google Maps'], ['com.duolingo.DuolingoMobile', 'Duolingo'],
  ['com.getdropbox.Dropbox', 'Dropbox'], ['com.toyopagroup.picaboo', 'Snapchat'], ['ph.telegra.Telegraph', 'Telegram'],
  ['com.atebits.Tweetie2', 'X'], ['com.netflix.Netflix', 'Netflix'], ['com.microsoft.Office.Outlook', 'Outlook'],
  ['com.google.chrome.ios', 'Chrome'], ['com.amazon.Amazon', 'Amazon'], ['com.ubercab.UberClient', 'Uber'],
  ['com.airbnb.app', 'Airbnb'], ['com.strava.stravaride', 'Strava'], ['com.slack.Slack', 'Slack'],
  ['us.zoom.videomeetings', 'Zoom'], ['com.microsoft.skype.teams', 'Teams'], ['com.reddit.Reddit', 'Reddit'],
  ['com.pinterest', 'Pinterest'], ['com.linkedin.LinkedIn', 'LinkedIn'], ['com.shazam.Shazam', 'Shazam'],
  ['com.evernote.iPhone.Evernote', 'Evernote'], ['com.agilebits.onepassword-ios', '1Password'], ['com.tinyspeck.chatlyio', 'Chatly'],
  ['com.headspace.headspace', 'Headspace'], ['com.calm.calmapp', 'Calm'], ['com.vsco.vscocam', 'VSCO'],
  ['com.nytimes.NYTimes', 'NYTimes'], ['com.yelp.yelpiphone', 'Yelp'], ['com.waze.iphone', 'Waze'],
  ['com.paypal.ppclient.touch', 'PayPal'], ['com.revolut.revolut', 'Revolut'], ['com.lyft.ios', 'Lyft'],
];

export const MAX_GENERATED_APPS = CATALOG.length;

/** The first `count` apps of a seed-shuffled catalog, with versions and bundle paths. */
export function pickApps(seed: number, count: number): PhoneApp[] {
  const random = new SeededRandom(seed, 'apps');
  const order = CATALOG.map((app) => ({ app, rank: random.next() })).sort((a, b) => a.rank - b.rank);
  return order.slice(0, Math.min(count, CATALOG.length)).map(({ app: [bundleId, name] }) => ({
    bundleId,
    name,
    version: `${random.int(1, 40)}.${random.int(0, 20)}.${random.int(0, 9)}`,
    bundlePath: `/private/var/containers/Bundle/Application/${random.uuid()}/${name.replace(/[^A-Za-z0-9]/g, '')}.app`,
  }));
}

/** An app the phone has data for but no catalog record (e.g. restored from a backup). */
export function appFromDomain(bundleId: string): PhoneApp {
  const random = new SeededRandom('restored-app', bundleId);
  const name = bundleId.split('.').pop() ?? bundleId;
  return { bundleId, name, version: '1.0', bundlePath: `/private/var/containers/Bundle/Application/${random.uuid()}/${name}.app` };
}
