export const SERVICE = 'supervisor-dashboard';
