// The model of the open conversation (GET /api/models, the PARLEY_MODELS list
// /v1 serves too): a labelled native select, so keyboard and screen readers
// work as everywhere else. Hidden while there is nothing to choose.
import { useEffect, useState } from 'react';
import { listModels, type ModelList } from './api';

// Loaded once per page: the list only changes when the server is redeployed.
let cached: Promise<ModelList | null> | null = null;
function loadModels(): Promise<ModelList | null> {
  // A failure hides the picker (answers still go to the default model) and
  // is asked again next time.
  cached ??= listModels().catch(() => {
    cached = null;
    return null;
  });
  return cached;
}
export function forgetModels() {
  cached = null;
}

export function useModels(): ModelList | null {
  const [models, setModels] = useState<ModelList | null>(null);
  useEffect(() => {
    let live = true;
    void loadModels().then((m) => live && setModels(m));
    return () => {
      live = false;
    };
  }, []);
  return models;
}

export function ModelPicker({
  models,
  value,
  disabled,
  onChange,
}: {
  models: ModelList | null;
  // The conversation's model; null: the default.
  value: string | null;
  disabled: boolean;
  onChange: (model: string) => void;
}) {
  if (!models || models.items.length < 2) return null;
  const shown = value ?? models.default ?? models.items[0].id;
  return (
    <div className="model-picker">
      <label htmlFor="model-picker">Model</label>
      <select
        id="model-picker"
        value={shown}
        disabled={disabled}
        onChange={(e) => onChange(e.target.value)}
      >
        {models.items.map((m) => (
          <option key={m.id} value={m.id}>
            {m.id === models.default ? `${m.id} (default)` : m.id}
          </option>
        ))}
      </select>
    </div>
  );
}
