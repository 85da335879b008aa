/** The button that turns an active learning off or back on, in the Learnings list and on a learning's page. */
export function LearningToggle({ enabled }: { enabled: boolean }) {
  return (
    <button type="submit" name="action" value={enabled ? "disable" : "enable"} class="secondary">
      {enabled ? "Disable" : "Enable"}
    </button>
  );
}
