// Small enhancements only: every page works the same without this file.

// After a form comes back with errors, move focus to the summary so it is read first.
document.querySelector(".error-summary")?.focus();

// "Copy" beside a feed address (the button stays hidden without JavaScript).
for (const button of document.querySelectorAll("button[data-copy]")) {
  const input = document.getElementById(button.dataset.copy);
  const status = document.getElementById(`${button.dataset.copy}-status`);
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(input.value);
      status.textContent = "Copied: paste it into your calendar app.";
    } catch {
      input.select();
      status.textContent = "Selected: press Ctrl+C (⌘C on a Mac) to copy it.";
    }
  });
}
