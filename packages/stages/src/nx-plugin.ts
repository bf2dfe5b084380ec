/** Nx plugin (nx.json "plugins"): every stage of every pipelines/*.yaml becomes a cached Nx target. */
import { createPipelineNodes } from '@relaxomap/pipeline';
import { registry } from './registry.js';

export const name = 'relaxomap-pipelines';
export const createNodes = createPipelineNodes(registry);
