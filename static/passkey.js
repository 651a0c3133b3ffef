// Passkeys (WebAuthn) for Gatehouse's ceremony page: the form carries the
// options the server made; the button asks the browser for a passkey and
// posts its answer back in the same form. Only pages that run a ceremony
// load this file; every other page has no script at all.
"use strict";

(function () {
  const form = document.getElementById("passkey-form");
  const button = document.getElementById("passkey-go");
  const status = document.getElementById("passkey-status");
  if (!form || !button || !window.PublicKeyCredential) {
    if (status) {
      status.textContent = "This browser does not offer passkeys.";
    }
    return;
  }

  // base64url text (what the server sends) to bytes, and back.
  function toBytes(text) {
    let b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) {
      b64 += "=";
    }
    const binary = atob(b64);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) {
      bytes[i] = binary.charCodeAt(i);
    }
    return bytes.buffer;
  }

  function toText(buffer) {
    const bytes = new Uint8Array(buffer);
    let binary = "";
    for (let i = 0; i < bytes.length; i++) {
      binary += String.fromCharCode(bytes[i]);
    }
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  const options = JSON.parse(form.dataset.options);
  const publicKey = options.publicKey;
  publicKey.challenge = toBytes(publicKey.challenge);
  if (publicKey.user) {
    publicKey.user.id = toBytes(publicKey.user.id);
  }
  for (const credential of publicKey.excludeCredentials || []) {
    credential.id = toBytes(credential.id);
  }
  for (const credential of publicKey.allowCredentials || []) {
    credential.id = toBytes(credential.id);
  }

  function answerOf(credential) {
    const response = credential.response;
    const answer = {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      extensions: credential.getClientExtensionResults(),
      response: { clientDataJSON: toText(response.clientDataJSON) },
    };
    if (response.attestationObject) {
      answer.response.attestationObject = toText(response.attestationObject);
      if (response.getTransports) {
        answer.response.transports = response.getTransports();
      }
    } else {
      answer.response.authenticatorData = toText(response.authenticatorData);
      answer.response.signature = toText(response.signature);
      answer.response.userHandle = response.userHandle ? toText(response.userHandle) : null;
    }
    return answer;
  }

  async function run() {
    button.disabled = true;
    status.textContent = "Waiting for your passkey…";
    try {
      const credential =
        form.dataset.mode === "create"
          ? await navigator.credentials.create({ publicKey })
          : await navigator.credentials.get({ publicKey });
      form.elements.credential.value = JSON.stringify(answerOf(credential));
      form.submit();
    } catch (error) {
      status.textContent =
        "No passkey answered (" + error.name + "). Try again, or go back.";
      button.disabled = false;
    }
  }

  button.hidden = false;
  button.addEventListener("click", run);
})();
