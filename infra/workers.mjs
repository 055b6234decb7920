// Every Worker of the product, in deploy order: a Worker named by another's
// service binding is deployed before it.
export const WORKERS = [
  { name: 'ocr', config: 'functions/ocr/wrangler.toml' },
  { name: 'clip-image', config: 'functions/model-host/wrangler.clip-image.toml' },
  { name: 'clip-text', config: 'functions/model-host/wrangler.clip-text.toml' },
  { name: 'api', config: 'wrangler.toml' },
  { name: 'alt-text', config: 'functions/alt-text/wrangler.toml' },
];
