// Drawing a child widget inside a panel's view. A panel that composes others holds them
// as "anywidget:<model id>" references (anywidget's WidgetTrait): anywidget's
// host.getWidget(ref).render({ el, signal }) draws the child (anywidget >= 0.11, marimo
// too); elsewhere, and for an ipywidgets child (no anywidget binding), the widget
// manager makes the child's view. Aborting `signal` removes what was drawn.

export async function drawChild(model, host, ref, target, signal) {
  if (typeof ref !== "string" || !ref) return false;
  if (host && typeof host.getWidget === "function") {
    let widget = null;
    try {
      widget = await host.getWidget(ref);
    } catch (error) {
      // not an anywidget (an ipywidgets widget has no anywidget binding): the manager draws it
      if (!/No binding/.test(String(error && error.message))) throw error;
    }
    if (widget) {
      await widget.render({ el: target, signal });
      return true;
    }
  }
  const manager = model.widget_manager;
  const child = await manager.get_model(ref.replace(/^anywidget:/, "").replace(/^IPY_MODEL_/, ""));
  const view = await manager.create_view(child, {});
  target.append(view.el);
  if (typeof view.trigger === "function") view.trigger("displayed");
  if (signal) signal.addEventListener("abort", () => view.remove());
  return true;
}
