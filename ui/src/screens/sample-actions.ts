/**
 * The corrections a screen makes to a sample's cells, shared by the field and differential screens:
 * each asks for a reason first when the sample is signed, saves at once, and shows the result in
 * the counts before the server's differential comes back.
 */
import { html, type TemplateResult } from 'lit';
import type { ApiClient } from '../api/client.ts';
import type { Box, CellClass, Cell } from '../api/types.ts';
import type { SampleController } from '../controllers/sample-controller.ts';
import type { MessageKey } from '../i18n/en.ts';
import { describeError } from '../i18n/errors.ts';
import type { I18n } from '../i18n/i18n.ts';
import { isSigned } from '../logic/samples.ts';
import type { Prompts } from '../services/prompts.ts';

export class CellActions {
  constructor(
    private readonly api: () => ApiClient,
    private readonly sample: SampleController,
    private readonly prompts: () => Prompts | undefined,
  ) {}

  /** undefined: no reason needed; null: the nurse cancelled. */
  private async reason(suggested: MessageKey): Promise<string | undefined | null> {
    const detail = this.sample.detail;
    if (!detail || !isSigned(detail.status)) return undefined;
    return (await this.prompts()?.askReason(suggested)) ?? null;
  }

  async classify(cellId: string, type: CellClass): Promise<Cell | null> {
    const reason = await this.reason('reason.reclassified');
    if (reason === null) return null;
    const cell = await this.api().reclassifyCell(cellId, type, reason);
    this.sample.apply(cell);
    return cell;
  }

  async confirm(cellId: string): Promise<Cell | null> {
    const reason = await this.reason('reason.reclassified');
    if (reason === null) return null;
    const cell = await this.api().reviewCell(cellId, reason);
    this.sample.apply(cell);
    return cell;
  }

  /** The same leukocyte counted twice (two boxes, or two overlapping fields): this box goes. */
  async removeDuplicate(cellId: string, why: string): Promise<boolean> {
    const reason = await this.reason('reason.duplicate');
    if (reason === null) return false;
    await this.api().deleteCell(cellId, reason ?? why);
    await this.sample.reload();
    return true;
  }

  /** A page of the review gallery seen: its cells' types accepted. */
  async seen(cellIds: string[]): Promise<void> {
    const detail = this.sample.detail;
    if (!detail || !cellIds.length) return;
    const reason = await this.reason('reason.reviewed');
    if (reason === null) return;
    await this.api().markCellsSeen(detail.id, cellIds, reason);
    await this.sample.reload();
  }

  async add(fieldId: string, box: Box, type: CellClass): Promise<Cell | null> {
    const reason = await this.reason('reason.added');
    if (reason === null) return null;
    const cell = await this.api().addCell(fieldId, box, type, reason);
    this.sample.apply(cell);
    return cell;
  }
}

/** What a sample screen shows before its sample is there: loading, or why it cannot be. */
export function loadingNotice(i18n: I18n, error: unknown): TemplateResult {
  return html`<div class="screen">
    ${error ? html`<p class="notice error" role="alert">${describeError(i18n, error)}</p>` : html`<p class="notice" data-loading>${i18n.t('common.loading')}</p>`}
  </div>`;
}
