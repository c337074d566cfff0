/** The two languages the product speaks: messages, e-mails, exports and the UI. */
export type Locale = 'fr-CA' | 'en-CA';
