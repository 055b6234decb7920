import { describe, expect, it } from 'vitest';
import { composeEdgeCaption, type EdgeFindings } from './compose.ts';
import { counted, listJoin, plural } from './english.ts';

const box = (xmin: number, ymin: number, xmax: number, ymax: number) => ({ xmin, ymin, xmax, ymax });
const findings = (partial: Partial<EdgeFindings>): EdgeFindings => ({ tags: [], objects: [], width: 640, height: 480, ...partial });

describe('composeEdgeCaption', () => {
  it('counts objects: "Two people and a sports ball."', () => {
    const caption = composeEdgeCaption(
      findings({
        objects: [
          { label: 'person', score: 0.9, box: box(0, 0, 100, 300) },
          { label: 'person', score: 0.8, box: box(200, 0, 300, 300) },
          { label: 'sports ball', score: 0.7, box: box(150, 250, 170, 270) },
          { label: 'kite', score: 0.2, box: box(0, 0, 10, 10) },
        ],
      }),
    );
    expect(caption.alt).toBe('Two people and a sports ball.');
    expect(caption.named).toEqual(['person', 'sports ball']);
    expect(caption.confidence).toBeCloseTo(0.6 * 0.8, 2);
  });

  it('adds a setting only when the classifier names one', () => {
    const caption = composeEdgeCaption(findings({ objects: [{ label: 'horse', score: 0.9, box: box(0, 0, 10, 10) }], tags: [{ label: 'alp', score: 0.5 }] }));
    expect(caption.alt).toBe('A horse in the mountains.');
  });

  it('hedges a lone, unsure classifier label and says so when there is nothing', () => {
    expect(composeEdgeCaption(findings({ tags: [{ label: 'zebra', score: 0.2 }] })).alt).toBe('Possibly a zebra.');
    const nothing = composeEdgeCaption(findings({ tags: [{ label: 'zebra', score: 0.05 }] }));
    expect(nothing.alt).toBe('Nothing the edge models could recognise with confidence.');
    expect(nothing.confidence).toBe(0.05);
  });

  it('quotes text in a photo, and answers the text itself for an image of text', () => {
    const sign = composeEdgeCaption(
      findings({ objects: [{ label: 'car', score: 0.9, box: box(0, 0, 100, 100) }], text: { lines: [{ text: 'STOP', score: 0.95, box: box(10, 10, 40, 20) }] } }),
    );
    expect(sign.alt).toBe('A car with the text “STOP”.');
    const page = composeEdgeCaption(
      findings({ text: { lines: [{ text: 'Chapter one. It was a bright cold day in April,', score: 0.9, box: box(0, 0, 600, 200) }, { text: 'and the clocks were striking thirteen.', score: 0.9, box: box(0, 200, 600, 400) }] } }),
    );
    expect(page.alt).toBe('Chapter one. It was a bright cold day in April, and the clocks were striking thirteen.');
  });

  it('keeps alt text within 125 characters by dropping detail', () => {
    const labels = ['person', 'bicycle', 'car', 'motorcycle', 'bus', 'traffic light', 'fire hydrant'];
    const caption = composeEdgeCaption(
      findings({
        objects: labels.map((label, i) => ({ label, score: 0.9 - i * 0.01, box: box(0, 0, 10, 10) })),
        tags: [{ label: 'seashore', score: 0.5 }],
        text: { lines: [{ text: 'A very long shop sign that says quite a lot of things about the shop', score: 0.9, box: box(0, 0, 10, 10) }] },
      }),
    );
    expect(caption.alt.length).toBeLessThanOrEqual(125);
    expect(caption.alt).toMatch(/^A person, a bicycle, a car and a motorcycle/);
    expect(caption.detailed).toContain('Also a bus, a traffic light and a fire hydrant.');
  });
});

describe('english', () => {
  it('pluralises COCO labels and joins lists', () => {
    expect(['person', 'mouse', 'wine glass', 'bus', 'sheep', 'skis', 'couch', 'knife'].map(plural)).toEqual(['people', 'mice', 'wine glasses', 'buses', 'sheep', 'skis', 'couches', 'knives']);
    expect(counted('umbrella', 1)).toBe('an umbrella');
    expect(counted('dog', 14)).toBe('14 dogs');
    expect(listJoin(['a', 'b', 'c'])).toBe('a, b and c');
  });
});
