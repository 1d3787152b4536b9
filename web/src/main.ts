/** llmecon in the browser: the CLI's core, views over it, state in the URL, heavy work in a worker. */
import { html, render, type TemplateResult } from 'lit-html';
import { EXAMPLES } from './examples.js';
import { type AppState, defaultState, VIEWS, type View } from './state.js';
import { decodeState, encodeState } from './state-link.js';
import { adaptView } from './views/adapt.js';
import { leversView } from './views/levers.js';
import { projectView } from './views/project.js';
import { scalingView } from './views/scaling.js';
import { serveView } from './views/serve.js';
import { trainView } from './views/train.js';
import { validateView } from './views/validate.js';

export interface App {
  readonly state: AppState;
  /** Replaces part of the state, re-renders and updates the URL. */
  update(change: (s: AppState) => AppState): void;
  rerender(): void;
}

const root = document.getElementById('app')!;
let state = defaultState(EXAMPLES['deepseek-v3.yaml']!);

const views: Record<View, (app: App) => TemplateResult> = {
  train: trainView,
  adapt: adaptView,
  serve: serveView,
  project: projectView,
  levers: leversView,
  scaling: scalingView,
  validate: validateView,
};

let urlTimer: ReturnType<typeof setTimeout> | undefined;
/** Values of a shared link that were out of their domain (replaced by defaults). */
let linkIssues: readonly string[] = [];
const app: App = {
  get state() {
    return state;
  },
  update(change) {
    state = change(state);
    draw();
    clearTimeout(urlTimer);
    urlTimer = setTimeout(async () => {
      history.replaceState(null, '', `#s=${await encodeState(state)}`);
      document.body.dataset.url = location.href;
    }, 50);
  },
  rerender: () => draw(),
};

let drawing = false;
let redraw = false;
/**
 * Renders the state. A change fired by the render itself (a focused field the render removes fires blur
 * and change, whose handler updates the state) redraws once the render is done, never inside it.
 */
function draw(): void {
  if (drawing) {
    redraw = true;
    return;
  }
  drawing = true;
  try {
    do {
      redraw = false;
      renderState();
    } while (redraw);
  } finally {
    drawing = false;
  }
}

function renderState(): void {
  render(
    html`<header>
        <h1>llmecon <small class="status">— the economics of LLMs, computed in your browser</small></h1>
        <nav aria-label="Views">
          ${VIEWS.map(
            (v) =>
              html`<button
                type="button"
                aria-current=${v.id === state.view ? 'page' : 'false'}
                @click=${() => app.update((s) => ({ ...s, view: v.id }))}
              >
                ${v.label}
              </button>`,
          )}
        </nav>
      </header>
      ${
        linkIssues.length === 0
          ? ''
          : html`<p class="error" role="alert" id="link-issues">This link had values outside what llmecon accepts; they were replaced by defaults:
              ${linkIssues.join('; ')}</p>`
      }
      <main id=${`view-${state.view}`}>${views[state.view](app)}</main>`,
    root,
  );
}

root.replaceChildren();
const fromUrl = await decodeState(location.hash, state);
if (fromUrl) {
  state = fromUrl.state;
  linkIssues = fromUrl.issues;
}
draw();
document.body.dataset.ready = 'true';
