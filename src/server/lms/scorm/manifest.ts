/**
 * Reads imsmanifest.xml (SCORM 1.2 and 2004 2nd–4th edition): the version, the default
 * organization's items in reading order, each launchable item's resource (SCO or asset), its
 * launch URL with the item's parameters, and the mastery rule (1.2 adlcp:masteryscore, 2004 the
 * primary objective's minNormalizedMeasure when satisfied by measure).
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { FieldError } from '../../http/errors.ts';

export interface ManifestItem {
  itemId: string;
  title: string;
  kind: 'sco' | 'asset';
  /** Relative to the package root, with the item's parameters (`shared/launchpage.html?content=playing`). */
  launch: string;
  /** The file part of the launch URL (must exist in the package). */
  file: string;
  depth: number;
  masteryScore: number | null;
  scaledPassingScore: number | null;
}

export interface Manifest {
  identifier: string;
  version: '1.2' | '2004';
  schemaVersion: string;
  title: string;
  items: ManifestItem[];
}

type Node = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  isArray: (name) => ['organization', 'item', 'resource', 'file', 'dependency'].includes(name),
});

function text(v: unknown): string {
  if (typeof v === 'string') return v.trim();
  if (v && typeof v === 'object' && '#text' in v) return String((v as Node)['#text']).trim();
  return '';
}
const attr = (n: Node | undefined, name: string): string => (n && typeof n[`@${name}`] === 'string' ? (n[`@${name}`] as string).trim() : '');
const list = (v: unknown): Node[] => (Array.isArray(v) ? (v as Node[]) : v && typeof v === 'object' ? [v as Node] : []);
const obj = (v: unknown): Node | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Node) : undefined);

/** Joins xml:base values and an href as a relative path (`a/` + `b.html`). */
function joinBase(...parts: string[]): string {
  return parts.filter((p) => p !== '').reduce((acc, p) => (acc === '' || acc.endsWith('/') ? acc + p : `${acc}/${p}`), '');
}

/** Adds an item's `parameters` to a launch href as SCORM CAM describes (`?`/`#` handling). */
export function withParameters(href: string, parameters: string): string {
  let p = parameters.trim();
  if (p === '') return href;
  if (p.startsWith('#')) return href.includes('#') ? href : href + p;
  if (p.startsWith('?') || p.startsWith('&')) p = p.slice(1);
  if (p === '') return href;
  return href.includes('?') ? `${href}&${p}` : `${href}?${p}`;
}

function versionOf(root: Node, rawXml: string): { version: '1.2' | '2004'; schemaVersion: string } | null {
  const schemaVersion = text(obj(root.metadata)?.schemaversion);
  if (schemaVersion === '1.2') return { version: '1.2', schemaVersion };
  if (/^(2004|CAM 1\.3)/i.test(schemaVersion)) return { version: '2004', schemaVersion };
  if (schemaVersion !== '') return null;
  // No schemaversion: the namespaces tell.
  if (rawXml.includes('adlcp_v1p3')) return { version: '2004', schemaVersion: '2004' };
  if (rawXml.includes('adlcp_rootv1p2')) return { version: '1.2', schemaVersion: '1.2' };
  return null;
}

function numberOr(value: string, min: number, max: number): number | null | 'bad' {
  if (value === '') return null;
  const n = Number(value);
  return Number.isFinite(n) && n >= min && n <= max ? n : 'bad';
}

/** Parses the manifest; `errors` say in plain words what is wrong (empty when it is usable). */
export function parseManifest(xml: string): { manifest: Manifest | null; errors: FieldError[] } {
  const errs: FieldError[] = [];
  const fail = (message: string) => {
    errs.push({ path: 'imsmanifest.xml', message });
    return { manifest: null, errors: errs };
  };
  const valid = XMLValidator.validate(xml);
  if (valid !== true) return fail(`imsmanifest.xml is not well-formed XML (line ${valid.err.line}: ${valid.err.msg}).`);
  let doc: Node;
  try {
    doc = parser.parse(xml) as Node;
  } catch (e) {
    return fail(`imsmanifest.xml cannot be read: ${(e as Error).message}`);
  }
  const root = obj(doc.manifest);
  if (!root) return fail('imsmanifest.xml has no <manifest> root element.');
  const version = versionOf(root, xml);
  if (!version) return fail('The manifest is neither SCORM 1.2 nor SCORM 2004 (its <schemaversion> is not recognised).');

  const resources = new Map<string, { href: string; kind: 'sco' | 'asset' }>();
  const resourcesNode = obj(root.resources);
  const rootBase = attr(resourcesNode, 'base');
  for (const r of list(resourcesNode?.resource)) {
    const id = attr(r, 'identifier');
    const type = (attr(r, 'scormtype') || attr(r, 'scormType')).toLowerCase();
    const href = attr(r, 'href');
    if (id === '') continue;
    resources.set(id, { href: href === '' ? '' : joinBase(rootBase, attr(r, 'base'), href), kind: type === 'sco' ? 'sco' : 'asset' });
  }

  const orgsNode = obj(root.organizations);
  const orgs = list(orgsNode?.organization);
  const wanted = attr(orgsNode, 'default');
  const org = orgs.find((o) => attr(o, 'identifier') === wanted) ?? orgs[0];
  if (!org) return fail('The manifest has no <organization>: there is nothing to launch.');

  const items: ManifestItem[] = [];
  const seen = new Set<string>();
  const walk = (nodes: Node[], depth: number) => {
    for (const it of nodes) {
      const itemId = attr(it, 'identifier');
      const title = text(it.title) || itemId;
      const ref = attr(it, 'identifierref');
      if (ref !== '') {
        const res = resources.get(ref);
        if (!res) errs.push({ path: `item.${itemId}`, message: `Item "${title}" points to resource "${ref}", which the manifest does not list.` });
        else if (res.href === '') errs.push({ path: `item.${itemId}`, message: `Resource "${ref}" of item "${title}" has no href to launch.` });
        else if (seen.has(itemId)) errs.push({ path: `item.${itemId}`, message: `Two items share the identifier "${itemId}".` });
        else {
          seen.add(itemId);
          const mastery = numberOr(text(it.masteryscore), 0, 100);
          const primary = obj(obj(obj(it.sequencing)?.objectives)?.primaryObjective);
          const byMeasure = attr(primary, 'satisfiedByMeasure') === 'true';
          const passing = byMeasure ? numberOr(text(primary?.minNormalizedMeasure) || '1', -1, 1) : null;
          if (mastery === 'bad') errs.push({ path: `item.${itemId}`, message: `Item "${title}" has a mastery score that is not a number from 0 to 100.` });
          if (passing === 'bad') errs.push({ path: `item.${itemId}`, message: `Item "${title}" has a minNormalizedMeasure that is not a number from -1 to 1.` });
          const launch = withParameters(res.href, attr(it, 'parameters'));
          items.push({
            itemId,
            title,
            kind: res.kind,
            launch,
            file: decodeURIComponentSafe(res.href.split(/[?#]/)[0]!),
            depth,
            masteryScore: mastery === 'bad' ? null : mastery,
            scaledPassingScore: passing === 'bad' ? null : passing,
          });
        }
      }
      walk(list(it.item), depth + 1);
    }
  };
  walk(list(org.item), 0);
  if (items.length === 0 && errs.length === 0) errs.push({ path: 'imsmanifest.xml', message: 'The default organization has no item that launches a resource.' });
  if (errs.length) return { manifest: null, errors: errs };
  return {
    manifest: {
      identifier: attr(root, 'identifier') || 'manifest',
      version: version.version,
      schemaVersion: version.schemaVersion,
      title: text(org.title) || attr(root, 'identifier') || 'SCORM package',
      items,
    },
    errors: [],
  };
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
