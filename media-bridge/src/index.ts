export const SERVICE = 'media-bridge';
